using System.Net.Sockets;
using System.Text;
using UdpEcho.Tests.Probing;

namespace UdpEcho.Tests.Client;

/// <summary>An echo cut short on the way (xinetd keeps 2048 bytes, the original C server 511) is named, at once: not silence, not "corrupt".</summary>
public sealed class TruncationTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_ExactBytes_StrictPrefixComesBack_FailsAtOnceSayingTruncatedWithBothLengths()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TimeSpan.FromSeconds(30) });
        var kinds = new List<UdpEchoMessageKind>();
        client.MessageReceived += (_, e) => { lock (kinds) { kinds.Add(e.Kind); } };

        var call = client.SendAndReceiveAsync("abcdef").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        await peer.SendAsync("abcd"u8.ToArray(), from);
        var error = await Assert.ThrowsAsync<UdpEchoException>(() => call.WaitAsync(TestTimeouts.Await));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("4 of the 6 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(peer.EndPoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(SocketError.MessageSize, error.SocketErrorCode);
        Assert.Equal(1, client.GetStatistics().Truncated);
        Assert.Equal(1, client.GetStatistics().Unmatched);
        await client.DisposeAsync(); // every handler call has returned
        Assert.Equal([UdpEchoMessageKind.Truncated], kinds);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_Tagged_ShorterEchoOfTheCall_FailsAtOnceSayingTruncated()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TimeSpan.FromSeconds(30) });

        var call = client.SendAndReceiveAsync(new byte[100]).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram[..60], from);
        var error = await Assert.ThrowsAsync<UdpEchoException>(() => call.WaitAsync(TestTimeouts.Await));

        Assert.Contains("truncated: 60 of the 124 bytes sent came back (the 24-byte tag and 36 of the 100 bytes of payload)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.GetStatistics().Truncated);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_Tagged_EchoCutInsideTheTag_FailsAtOnceSayingTruncated()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TimeSpan.FromSeconds(30) });

        var call = client.SendAndReceiveAsync(new byte[100]).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram[..10], from);
        var error = await Assert.ThrowsAsync<UdpEchoException>(() => call.WaitAsync(TestTimeouts.Await));

        Assert.Contains("truncated: 10 of the 124 bytes sent came back (cut inside the 24-byte tag: none of the 100 bytes of payload)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.GetStatistics().Truncated);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_Tagged_EchoCutBeforeTheStream_IsNoOnesAndTheCallTimesOut()
    {
        // Fewer than 8 bytes do not even carry the tag's stream: taken for a stray datagram, not for this call's echo.
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TimeSpan.FromMilliseconds(300) });

        var call = client.SendAndReceiveAsync(new byte[100]).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram[..7], from);

        await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TestTimeouts.Await));
        Assert.Equal(0, client.GetStatistics().Truncated);
        Assert.Equal(1, client.GetStatistics().Unmatched);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(UdpEchoMatching.ExactBytes)]
    [InlineData(UdpEchoMatching.Tagged)]
    public async Task SendAndReceiveAsync_ServerKeeping100Bytes_LongerCallsFailTruncatedShorterOnesEcho(UdpEchoMatching matching)
    {
        using var server = new ImpairedEchoServer(truncateTo: 100);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint, Matching = matching, Timeout = TimeSpan.FromSeconds(30) });

        var fits = await client.SendAndReceiveAsync(new byte[50]).AsTask().WaitAsync(TestTimeouts.Await);
        var error = await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync(Encoding.ASCII.GetBytes(new string('x', 200))).AsTask().WaitAsync(TestTimeouts.Await));

        Assert.Equal(50, fits.Payload.Length);
        Assert.Contains("truncated: 100 of the", error.Message, StringComparison.Ordinal);
    }
}
