namespace UdpEcho.Correlation;

/// <summary>One call waiting for its echo: the bytes it sent, and the completion the receive loop signals.</summary>
internal sealed class PendingEcho(ReadOnlyMemory<byte> payload, int hash)
{
    private readonly TaskCompletionSource<(byte[] Payload, long Timestamp)> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    public int Hash { get; } = hash;

    /// <summary>Gets or sets when the latest attempt was sent, in <see cref="TimeProvider"/> timestamp units.</summary>
    public long SentTimestamp { get; set; }

    public Task<(byte[] Payload, long Timestamp)> Completion => _completion.Task;

    public bool TryComplete(byte[] echo, long timestamp) => _completion.TrySetResult((echo, timestamp));

    public bool TryFail(Exception exception) => _completion.TrySetException(exception);
}
