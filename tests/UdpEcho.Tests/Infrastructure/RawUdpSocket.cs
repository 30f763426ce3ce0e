using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Infrastructure;

/// <summary>One datagram a <see cref="RawUdpSocket"/> received: its bytes and its sender.</summary>
internal readonly record struct Datagram(byte[] Payload, IPEndPoint From);

/// <summary>
/// A plain <see cref="Socket"/> bound to a loopback address, used as the client in server tests so that they do not
/// depend on <see cref="UdpEchoClient"/>. Every receive is bounded by <see cref="TestTimeouts.Await"/>.
/// </summary>
internal sealed class RawUdpSocket : IDisposable
{
    /// <summary>Large enough for a 64 KiB datagram and a burst behind it; the kernel caps it at its own maximum.</summary>
    public const int BufferSize = 1 << 20;

    private readonly byte[] _receiveBuffer = new byte[65536];
    private readonly IPEndPoint _anyRemote;

    public RawUdpSocket(AddressFamily family = AddressFamily.InterNetwork)
        : this(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback)
    {
    }

    public RawUdpSocket(IPAddress bindAddress)
    {
        Socket = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = BufferSize,
            SendBufferSize = BufferSize,
        };
        try
        {
            Socket.Bind(new IPEndPoint(bindAddress, 0));
        }
        catch
        {
            Socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)Socket.LocalEndPoint!;
        _anyRemote = new IPEndPoint(bindAddress.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
    }

    public Socket Socket { get; }

    public IPEndPoint LocalEndPoint { get; }

    public async Task SendAsync(ReadOnlyMemory<byte> payload, IPEndPoint to)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var sent = await Socket.SendToAsync(payload, SocketFlags.None, to, cts.Token);
        Assert.Equal(payload.Length, sent);
    }

    /// <summary>Waits for the next datagram; throws <see cref="TimeoutException"/> when none arrives in time.</summary>
    public async Task<Datagram> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        try
        {
            var result = await Socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, _anyRemote, cts.Token);
            return new Datagram(_receiveBuffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No datagram arrived at {LocalEndPoint} within {TestTimeouts.Await}.");
        }
    }

    /// <summary>Sends <paramref name="payload"/> to <paramref name="to"/> and returns the next datagram that arrives.</summary>
    public async Task<Datagram> SendAndReceiveAsync(ReadOnlyMemory<byte> payload, IPEndPoint to)
    {
        await SendAsync(payload, to);
        return await ReceiveAsync();
    }

    public void Dispose() => Socket.Dispose();
}
