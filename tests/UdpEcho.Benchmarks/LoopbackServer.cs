using System.Net;

namespace UdpEcho.Benchmarks;

/// <summary>Starts the <see cref="UdpEchoServer"/> that the socket benchmarks talk to, on 127.0.0.1 and a free port.</summary>
internal static class LoopbackServer
{
    /// <summary>
    /// Starts a server with the default options, except for what <paramref name="benchmark"/> sets: each of its public
    /// properties that has a settable namesake of the same type on <see cref="UdpEchoServerOptions"/> is copied there.
    /// So a server option becomes a benchmark parameter with one line, a <c>[Params]</c> property of that name.
    /// </summary>
    public static async Task<UdpEchoServer> StartAsync(object benchmark)
    {
        var options = new UdpEchoServerOptions { Address = IPAddress.Loopback };
        foreach (var parameter in benchmark.GetType().GetProperties())
        {
            if (typeof(UdpEchoServerOptions).GetProperty(parameter.Name) is { CanWrite: true } option && option.PropertyType == parameter.PropertyType)
            {
                option.SetValue(options, parameter.GetValue(benchmark));
            }
        }

        var server = new UdpEchoServer(options);
        await server.StartAsync();
        return server;
    }
}
