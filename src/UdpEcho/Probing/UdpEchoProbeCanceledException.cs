namespace UdpEcho;

/// <summary>
/// A probe was cancelled after it started. It is an <see cref="OperationCanceledException"/>, so code that only cares
/// about cancellation needs nothing new; <see cref="Result"/> holds what was measured until then, which is what a
/// command stopped with Ctrl+C prints.
/// </summary>
public sealed class UdpEchoProbeCanceledException : OperationCanceledException
{
    /// <summary>Initializes a new instance of the <see cref="UdpEchoProbeCanceledException"/> class.</summary>
    public UdpEchoProbeCanceledException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoProbeCanceledException"/> class with a message.</summary>
    /// <param name="message">What happened.</param>
    public UdpEchoProbeCanceledException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoProbeCanceledException"/> class with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public UdpEchoProbeCanceledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoProbeCanceledException"/> class with the partial result.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="result">What was measured until the cancellation.</param>
    /// <param name="cancellationToken">The token that was cancelled.</param>
    public UdpEchoProbeCanceledException(string message, UdpEchoProbeResult result, CancellationToken cancellationToken)
        : base(message, cancellationToken)
    {
        Result = result;
    }

    /// <summary>Gets what was measured until the cancellation; probes still waiting for their echo are left out.</summary>
    public UdpEchoProbeResult? Result { get; }
}
