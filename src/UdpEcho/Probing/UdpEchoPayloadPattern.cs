namespace UdpEcho;

/// <summary>What fills a probe datagram after its 24-byte tag, in <see cref="UdpEchoProbeOptions.Pattern"/>.</summary>
/// <remarks>Every probe carries the same filler, so an echo is checked byte for byte without keeping what was sent.</remarks>
public enum UdpEchoPayloadPattern
{
    /// <summary>Every byte 0x00.</summary>
    Zeros = 0,

    /// <summary>Every byte 0xFF.</summary>
    Ones = 1,

    /// <summary>The byte at offset <c>i</c> of the datagram is <c>i mod 256</c>, as <c>ping</c> fills its packets: a shifted or reordered byte shows.</summary>
    Incrementing = 2,

    /// <summary>Pseudo-random bytes from <see cref="System.Random"/> seeded with <see cref="UdpEchoProbeOptions.Seed"/>: the same seed gives the same bytes.</summary>
    Random = 3,
}
