using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace UdpEcho.Benchmarks.Server;

/// <summary>
/// The server under load: a plain socket sends a batch of datagrams to a <see cref="UdpEchoServer"/> in this process
/// over 127.0.0.1, then receives every echo. One operation is one datagram, so the time and the allocation reported
/// are per datagram echoed; the client side (blocking span overloads on a connected socket) allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class EchoThroughputBenchmarks
{
    private const int Batch = 64;
    private const int PayloadSize = 64;

    private readonly byte[] _payload = new byte[PayloadSize];
    private readonly byte[] _echo = new byte[PayloadSize + 1];
    private UdpEchoServer _server = null!;
    private Socket _client = null!;
    private long _lost;

    /// <summary>Gets or sets the engine under test; <see cref="LoopbackServer"/> copies it into the server's options.</summary>
    [Params(UdpEchoServerEngine.Portable, UdpEchoServerEngine.Batched)]
    public UdpEchoServerEngine Engine { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await LoopbackServer.StartAsync(this);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            // Room for a whole batch of echoes, and a way out if the kernel drops one on the way.
            ReceiveBufferSize = 1 << 20,
            ReceiveTimeout = 1000,
        };
        _client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _client.Connect(_server.LocalEndPoint!);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_lost > 0)
        {
            Console.WriteLine($"// {_lost} datagrams got no echo within a second (dropped on the way); the time covers them too.");
        }

        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int EchoBatch()
    {
        for (var i = 0; i < Batch; i++)
        {
            _client.Send(_payload, SocketFlags.None);
        }

        for (var echoed = 0; echoed < Batch; echoed++)
        {
            try
            {
                _client.Receive(_echo, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                _lost += Batch - echoed;
                return echoed;
            }
        }

        return Batch;
    }
}
