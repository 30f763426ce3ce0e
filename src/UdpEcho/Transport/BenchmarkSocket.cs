using System.Net;
using System.Net.Sockets;
using UdpEcho.Transport.Linux;

namespace UdpEcho.Transport;

/// <summary>
/// The socket side of a benchmark: a connected UDP socket that sends batches of prepared datagrams, receives batches
/// of echoes without waiting, and waits for the next one. Used by one thread; only <see cref="Wake"/> may be called
/// from another.
/// </summary>
/// <remarks>
/// Send buffers keep what was written into them from one batch to the next, so the caller fills the fixed part of
/// every datagram once and rewrites only what changes. Receive buffers are one byte longer than a datagram, so a longer
/// echo shows as a different length.
/// </remarks>
internal abstract class BenchmarkSocket : IDisposable
{
    /// <summary>Room for a flood's window and the bursts in front of it; the kernel caps it at <c>net.core.rmem_max</c> (as <c>cflood</c>, which asks for the same).</summary>
    private const int SocketBufferSize = 8 << 20;

    protected BenchmarkSocket(Socket socket, IPEndPoint remote, int size)
    {
        Socket = socket;
        Remote = remote;
        Size = size;
    }

    /// <summary>Gets the most datagrams one <see cref="Send"/> or <see cref="Receive"/> handles.</summary>
    public abstract int BatchSize { get; }

    /// <summary>Gets the size of every datagram sent.</summary>
    public int Size { get; }

    protected Socket Socket { get; }

    protected IPEndPoint Remote { get; }

    /// <summary>Creates the batched Linux socket where it works, the portable one elsewhere (or when asked).</summary>
    public static BenchmarkSocket Create(Socket socket, IPEndPoint remote, int size, bool portable)
    {
        // Best effort, as cflood: a flood of large datagrams overflows the default buffers long before the window is full.
        try
        {
            socket.ReceiveBufferSize = SocketBufferSize;
            socket.SendBufferSize = SocketBufferSize;
        }
        catch (SocketException)
        {
        }

        return !portable && LinuxSockets.IsSupported
            ? new BatchedBenchmarkSocket(socket, remote, size)
            : new PortableBenchmarkSocket(socket, remote, size);
    }

    /// <summary>Gets the buffer of datagram <paramref name="index"/> of the next <see cref="Send"/>, <see cref="Size"/> bytes long.</summary>
    public abstract Span<byte> SendBuffer(int index);

    /// <summary>Sends datagrams 0 to <paramref name="count"/> - 1 without waiting.</summary>
    /// <returns>How many were sent, from the first: fewer when the socket's buffer is full or a transient error came up.</returns>
    /// <exception cref="UdpEchoException">The destination reported that nothing listens there, or sending failed for good.</exception>
    public abstract int Send(int count);

    /// <summary>Receives up to <see cref="BatchSize"/> echoes that have arrived, without waiting.</summary>
    /// <returns>How many were received; 0 when none was waiting.</returns>
    /// <exception cref="UdpEchoException">The destination reported that nothing listens there, or receiving failed for good.</exception>
    public abstract int Receive();

    /// <summary>Gets echo <paramref name="index"/> of the last <see cref="Receive"/>: at most <see cref="Size"/> + 1 bytes of it.</summary>
    public abstract ReadOnlySpan<byte> Echo(int index);

    /// <summary>Waits until an echo can be received (or, with <paramref name="orWritable"/>, a datagram sent), <see cref="Wake"/> is called, or <paramref name="milliseconds"/> pass.</summary>
    public abstract void Wait(int milliseconds, bool orWritable);

    /// <summary>Ends the current or next <see cref="Wait"/> early. Thread-safe.</summary>
    public abstract void Wake();

    public virtual void Dispose()
    {
    }

    /// <summary>Turns a send or receive error into what the loop does: nothing for a passing one, an exception otherwise.</summary>
    protected void ThrowUnlessTransient(SocketError error, string doing)
    {
        if (UdpSockets.IsUnreachable(error))
        {
            throw RemoteEndPoints.Unreachable(Remote, new SocketException((int)error));
        }

        if (!UdpSockets.IsTransient(error))
        {
            var e = new SocketException((int)error);
            throw new UdpEchoException($"Cannot {doing} {Remote}: {e.Message} ({error}).", error, Remote, e);
        }
    }
}
