namespace UdpEcho.Probing;

/// <summary>Fills the part of a probe datagram after its tag.</summary>
internal static class PayloadPattern
{
    /// <param name="datagram">The whole datagram; bytes from <paramref name="offset"/> on are filled.</param>
    /// <param name="offset">Where the filler starts: after the tag.</param>
    /// <param name="pattern">What to fill with.</param>
    /// <param name="seed">The seed of <see cref="UdpEchoPayloadPattern.Random"/>.</param>
    public static void Fill(Span<byte> datagram, int offset, UdpEchoPayloadPattern pattern, int seed)
    {
        var filler = datagram[offset..];
        switch (pattern)
        {
            case UdpEchoPayloadPattern.Zeros:
                filler.Clear();
                break;
            case UdpEchoPayloadPattern.Ones:
                filler.Fill(0xFF);
                break;
            case UdpEchoPayloadPattern.Incrementing:
                for (var i = offset; i < datagram.Length; i++)
                {
                    datagram[i] = unchecked((byte)i);
                }

                break;
            case UdpEchoPayloadPattern.Random:
#pragma warning disable CA5394 // A reproducible test pattern, not a secret.
                new Random(seed).NextBytes(filler);
#pragma warning restore CA5394
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "Options were validated.");
        }
    }
}
