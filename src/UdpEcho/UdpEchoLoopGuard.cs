namespace UdpEcho;

/// <summary>Whether a server guards against echo loops with another echo server or reflector; see <see cref="UdpEchoServerOptions.LoopGuard"/>.</summary>
public enum UdpEchoLoopGuard
{
    /// <summary>On when the server is bound to anything beyond loopback (where forged loops come from), off on a loopback bind (where test harnesses live).</summary>
    Automatic,

    /// <summary>Always on: a source that keeps sending back exactly what it was sent is muted.</summary>
    On,

    /// <summary>Off. Datagrams from the server's own endpoint are dropped all the same.</summary>
    Off,
}
