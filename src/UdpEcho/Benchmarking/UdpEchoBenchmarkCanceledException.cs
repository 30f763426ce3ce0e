namespace UdpEcho;

/// <summary>
/// A benchmark was cancelled after it started. It is an <see cref="OperationCanceledException"/>, so code that only
/// cares about cancellation needs nothing new; <see cref="Result"/> holds what was measured until then, which is what a
/// command stopped with Ctrl+C prints.
/// </summary>
public sealed class UdpEchoBenchmarkCanceledException : OperationCanceledException
{
    /// <summary>Initializes a new instance of the <see cref="UdpEchoBenchmarkCanceledException"/> class.</summary>
    public UdpEchoBenchmarkCanceledException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoBenchmarkCanceledException"/> class with a message.</summary>
    /// <param name="message">What happened.</param>
    public UdpEchoBenchmarkCanceledException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoBenchmarkCanceledException"/> class with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public UdpEchoBenchmarkCanceledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoBenchmarkCanceledException"/> class with the partial result.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="result">What was measured until the cancellation.</param>
    /// <param name="cancellationToken">The token that was cancelled.</param>
    public UdpEchoBenchmarkCanceledException(string message, UdpEchoBenchmarkResult result, CancellationToken cancellationToken)
        : base(message, cancellationToken)
    {
        Result = result;
    }

    /// <summary>Gets what was measured until the cancellation; datagrams still waiting for their echo are left out.</summary>
    public UdpEchoBenchmarkResult? Result { get; }
}
