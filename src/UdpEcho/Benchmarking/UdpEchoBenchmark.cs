using System.Net.Sockets;
using UdpEcho.Benchmarking;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>
/// A load generator for any UDP echo (RFC 862) server: floods it, or plays ping-pong with it, for a set time, checks
/// every echoed byte and times every echo.
/// </summary>
/// <remarks>
/// <para>
/// Each run has a connected socket of its own and a dedicated thread that does nothing else, so it neither shares a
/// socket with a <see cref="UdpEchoClient"/> nor waits for the thread pool. On 64-bit Linux it sends and receives up
/// to 64 datagrams per system call (<c>sendmmsg</c>/<c>recvmmsg</c>), as the reference C load generator does;
/// elsewhere, one per call. It allocates nothing per datagram.
/// </para>
/// <para>What is sent, and the definitions of the figures, are in <c>docs/client.md</c>, section "Load generator".</para>
/// </remarks>
public static class UdpEchoBenchmark
{
    /// <summary>Runs a benchmark against <see cref="UdpEchoBenchmarkOptions.RemoteEndPoint"/>.</summary>
    /// <param name="options">What to run. It is validated and copied.</param>
    /// <param name="progress">Receives the running totals about ten times a second, on the benchmark's thread; or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the run early; the figures so far come with the exception.</param>
    /// <returns>What was measured.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid, or <see cref="UdpEchoBenchmarkOptions.Size"/> is too large for the IPv4 address the server resolved to.</exception>
    /// <exception cref="UdpEchoException">The host name does not resolve, or the server reported that nothing listens there.</exception>
    /// <exception cref="UdpEchoBenchmarkCanceledException">The run was cancelled after it started; <see cref="UdpEchoBenchmarkCanceledException.Result"/> holds its figures.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled before it started.</exception>
    public static async Task<UdpEchoBenchmarkResult> RunAsync(UdpEchoBenchmarkOptions options, IProgress<UdpEchoBenchmarkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var settings = options.Clone();
        cancellationToken.ThrowIfCancellationRequested();

        var remote = await RemoteEndPoints.ResolveAsync(settings.RemoteEndPoint!, cancellationToken).ConfigureAwait(false);
        if (remote.AddressFamily == AddressFamily.InterNetwork && settings.Size > UdpEchoServerOptions.MaxIPv4DatagramSize)
        {
            throw new ArgumentException($"{nameof(UdpEchoBenchmarkOptions)}.{nameof(UdpEchoBenchmarkOptions.Size)} is {settings.Size} bytes; a UDP datagram to the IPv4 endpoint {remote} carries at most {UdpEchoServerOptions.MaxIPv4DatagramSize}.", nameof(options));
        }

        using var socket = RemoteEndPoints.Connect(remote, local: null);
        using var engine = BenchmarkSocket.Create(socket, remote, settings.Size, settings.UsePortableEngine);
        var run = new BenchmarkRun(engine, remote, settings, progress);
        UdpEchoBenchmarkResult result;

        // Disposed before the socket: a cancellation that races the end of the run wakes a socket that still exists.
        using (cancellationToken.UnsafeRegister(static state => ((BenchmarkRun)state!).Cancel(), run))
        {
            result = await Task.Factory.StartNew(run.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (run.Cancelled)
        {
            throw new UdpEchoBenchmarkCanceledException("The benchmark was cancelled; Result holds what it measured until then.", result, cancellationToken);
        }

        return result;
    }
}
