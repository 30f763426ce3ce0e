namespace UdpEcho;

/// <summary>How a <see cref="UdpEchoServer"/> moves datagrams between its socket and its buffers.</summary>
/// <remarks>Both engines echo the same bytes, apply the same policies and report the same statistics, metrics, logs and events; they differ only in speed.</remarks>
public enum UdpEchoServerEngine
{
    /// <summary>The batched engine where it is supported (64-bit Linux), the portable engine elsewhere.</summary>
    Automatic,

    /// <summary>
    /// <see cref="System.Net.Sockets.Socket.ReceiveFromAsync(System.Memory{byte}, System.Net.Sockets.SocketFlags, System.Net.SocketAddress, System.Threading.CancellationToken)"/>
    /// and <c>SendToAsync</c> on the thread pool: one system call per datagram each way, on every operating system .NET supports.
    /// </summary>
    Portable,

    /// <summary>
    /// Linux <c>recvmmsg</c>/<c>sendmmsg</c> on a dedicated thread per receive loop: up to 64 datagrams per system call,
    /// a short spin while datagrams keep coming, then a blocking <c>poll</c> that costs no CPU while the server is idle.
    /// Starting a server that asks for it anywhere but 64-bit Linux throws <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    Batched,
}
