using System.Net;
using Microsoft.Extensions.Logging;
using UdpEcho.Policy;

namespace UdpEcho.Diagnostics;

/// <summary>
/// What every reporter of one server shares: the logger, the meter's instruments and the log throttles (one per drop
/// reason, so that a flood of one kind cannot hide the first line of another). Thread-safe.
/// </summary>
internal sealed class ServerDiagnostics
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(5);

    public ServerDiagnostics(ILogger logger, UdpEchoMetrics metrics, TimeProvider time)
    {
        Logger = logger;
        Metrics = metrics;
        DropLogs = new LogThrottle[DropReasons.Count];
        for (var i = 0; i < DropLogs.Length; i++)
        {
            DropLogs[i] = new LogThrottle(WarningInterval, time);
        }

        ReceiveWarnings = new LogThrottle(WarningInterval, time);
        SendWarnings = new LogThrottle(WarningInterval, time);
        SubscriberErrors = new LogThrottle(WarningInterval, time);
        KernelDropWarnings = new LogThrottle(WarningInterval, time);
    }

    public ILogger Logger { get; }

    public UdpEchoMetrics Metrics { get; }

    public LogThrottle[] DropLogs { get; }

    public LogThrottle ReceiveWarnings { get; }

    public LogThrottle SendWarnings { get; }

    public LogThrottle SubscriberErrors { get; }

    public LogThrottle KernelDropWarnings { get; }

    /// <summary>Logs, once per server start, that the kernel granted smaller socket buffers than asked for.</summary>
    public void BuffersCapped(IPEndPoint localEndPoint, string which, int requested, int granted, string sysctl, bool explicitlySet)
    {
        if (explicitlySet)
        {
            Log.BufferCappedExplicit(Logger, which, localEndPoint, requested, granted, sysctl);
        }
        else
        {
            Log.BufferCapped(Logger, which, localEndPoint, requested, granted, sysctl);
        }
    }
}
