using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Transport;

/// <summary>
/// The benchmark socket on any platform: one datagram per <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags, out SocketError)"/>
/// and per receive, on a non-blocking socket; waits are <see cref="Socket.Poll(int, SelectMode)"/> slices short enough
/// that the loop notices a cancellation without being woken.
/// </summary>
internal sealed class PortableBenchmarkSocket : BenchmarkSocket
{
    private const int Batch = 64;
    private const int LongestWaitMilliseconds = 20;
    private readonly byte[][] _send;
    private readonly byte[][] _receive;
    private readonly int[] _lengths = new int[Batch];

    public PortableBenchmarkSocket(Socket socket, IPEndPoint remote, int size)
        : base(socket, remote, size)
    {
        socket.Blocking = false;
        _send = [.. Enumerable.Range(0, Batch).Select(_ => new byte[size])];
        _receive = [.. Enumerable.Range(0, Batch).Select(_ => new byte[size + 1])];
    }

    public override int BatchSize => Batch;

    public override Span<byte> SendBuffer(int index) => _send[index];

    public override int Send(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Socket.Send(_send[i], SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                ThrowUnlessTransient(error, "send to");
                return i;
            }
        }

        return count;
    }

    public override int Receive()
    {
        var received = 0;
        while (received < Batch)
        {
            var length = Socket.Receive(_receive[received], SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                ThrowUnlessTransient(error, "receive from");
                break;
            }

            _lengths[received++] = length;
        }

        return received;
    }

    public override ReadOnlySpan<byte> Echo(int index) => _receive[index].AsSpan(0, _lengths[index]);

    public override void Wait(int milliseconds, bool orWritable)
    {
        var slice = Math.Clamp(milliseconds, 0, LongestWaitMilliseconds) * 1000;
        try
        {
            // A full send buffer empties within a millisecond on any path worth measuring: look for echoes meanwhile.
            if (orWritable)
            {
                Socket.Poll(Math.Min(slice, 1000), SelectMode.SelectWrite);
            }
            else
            {
                Socket.Poll(slice, SelectMode.SelectRead);
            }
        }
        catch (SocketException e)
        {
            ThrowUnlessTransient(e.SocketErrorCode, "wait for");
        }
    }

    // Waits are slices of at most 20 ms, after each of which the loop looks at its own flags.
    public override void Wake()
    {
    }
}
