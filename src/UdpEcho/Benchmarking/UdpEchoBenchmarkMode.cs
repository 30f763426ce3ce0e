namespace UdpEcho;

/// <summary>How a benchmark loads the echo server, in <see cref="UdpEchoBenchmarkOptions.Mode"/>.</summary>
public enum UdpEchoBenchmarkMode
{
    /// <summary>
    /// Keep <see cref="UdpEchoBenchmarkOptions.Window"/> datagrams in flight and send the next as soon as one is
    /// answered or times out: the most echoes per second the client, the path and the server allow together.
    /// </summary>
    Flood = 0,

    /// <summary>One datagram in flight: the next leaves when the last is answered or times out. Measures round trips unloaded.</summary>
    PingPong = 1,
}
