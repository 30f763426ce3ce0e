using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Client;

/// <summary>
/// A loopback UDP socket the test drives by hand: it plays a server that stays silent, answers late, answers
/// twice or answers with the wrong bytes, which a real echo server never would.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _socket;

    public ScriptedPeer(AddressFamily family = AddressFamily.InterNetwork, int port = 0)
    {
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, port));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Waits for the next datagram, failing the test when none arrives in time.</summary>
    public async Task<(byte[] Payload, IPEndPoint From)> ReceiveAsync()
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), cts.Token);
        return (buffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> payload, IPEndPoint to) =>
        await _socket.SendToAsync(payload, SocketFlags.None, to);

    /// <summary>Receives one datagram and echoes it back unchanged, as a real server would.</summary>
    public async Task<byte[]> EchoOneAsync()
    {
        var (payload, from) = await ReceiveAsync();
        await SendAsync(payload, from);
        return payload;
    }

    public void Dispose() => _socket.Dispose();
}
