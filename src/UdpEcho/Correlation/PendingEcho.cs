using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace UdpEcho.Correlation;

/// <summary>
/// One <see cref="IUdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> call: the bytes it
/// sends, its attempts and deadline, and the completion its caller awaits. Instances are pooled by
/// <see cref="EchoCalls"/> and reused once the caller has read the result, together with their timer and, in tagged
/// mode, their datagram buffer, so a call in steady state allocates nothing, however many run at once.
/// </summary>
/// <remarks>Every mutable field except the completion core is guarded by <see cref="EchoCalls"/>' lock.</remarks>
internal sealed class PendingEcho : IValueTaskSource<UdpEchoReply>
{
    private ManualResetValueTaskSourceCore<UdpEchoReply> _core;

    public PendingEcho(EchoCalls owner)
    {
        Owner = owner;

        // Never run the caller's continuation on the receive loop or a timer thread.
        _core.RunContinuationsAsynchronously = true;
    }

    public enum Phase
    {
        /// <summary>In the pool, or being prepared by its caller.</summary>
        Idle,

        /// <summary>Waiting for a place among the calls in flight; not sent yet, and in the queue rather than the table.</summary>
        Queued,

        /// <summary>Waiting for its echo; in the table.</summary>
        Pending,

        /// <summary>The outcome is known, but a send is still reading the payload: the caller is told when it ends.</summary>
        Decided,

        /// <summary>The caller has been (or is being) told the outcome.</summary>
        Signalled,
    }

    public EchoCalls Owner { get; }

    /// <summary>Gets or sets a value indicating whether the pool lets this instance go when it comes back (the warm-up's, which holds an oversized buffer).</summary>
    public bool Discard { get; set; }

    // The table's links (a doubly linked FIFO chain per bucket), or the queue's while the call waits for a place.
    public PendingEcho? Next { get; set; }

    public PendingEcho? Previous { get; set; }

    public bool InTable { get; set; }

    public int Hash { get; set; }

    public Phase State { get; set; }

    /// <summary>Gets or sets a value indicating whether a send of this call is in flight (it reads <see cref="Wire"/>).</summary>
    public bool Sending { get; set; }

    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>Gets or sets the tagged call number, or -1 in exact-bytes mode.</summary>
    public long CallNumber { get; set; } = -1;

    /// <summary>Gets the datagram of a tagged call: header and a copy of the payload. Kept across reuses.</summary>
    public byte[]? Datagram { get; private set; }

    public int DatagramLength { get; private set; }

    public CancellationToken CancellationToken { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    public ITimer? Timer { get; set; }

    public int Attempt { get; set; }

    /// <summary>Gets or sets when the first attempt was sent, in <see cref="TimeProvider"/> timestamp units.</summary>
    public long FirstSentAt { get; set; }

    /// <summary>Gets or sets when the latest attempt was sent.</summary>
    public long SentAt { get; set; }

    /// <summary>Gets or sets when the latest attempt times out; <see cref="long.MaxValue"/> for never.</summary>
    public long Deadline { get; set; }

    /// <summary>Gets or sets how long the latest attempt waits for its echo, backoff and jitter included.</summary>
    public TimeSpan AttemptWait { get; set; }

    public UdpEchoReply Reply { get; set; }

    public Exception? Error { get; set; }

    public short Version => _core.Version;

    /// <summary>Gets the bytes that go on the wire: the caller's payload, or the tagged datagram.</summary>
    public ReadOnlyMemory<byte> Wire => Datagram is { } datagram && CallNumber >= 0 ? datagram.AsMemory(0, DatagramLength) : Payload;

    /// <summary>Gets the payload part of a tagged echo to compare with: our own copy, which the caller cannot change.</summary>
    public ReadOnlySpan<byte> TaggedPayload => Datagram.AsSpan(EchoTag.Length, DatagramLength - EchoTag.Length);

    /// <summary>Copies the payload behind a stream-0 tag, growing the buffer only when a larger payload comes along.</summary>
    public void PrepareTagged(ReadOnlySpan<byte> payload)
    {
        var length = EchoTag.Length + payload.Length;
        if (Datagram is null || Datagram.Length < length)
        {
            Datagram = new byte[Math.Max(length, 64)];
            EchoTag.WriteStream(Datagram, stream: 0);
        }

        payload.CopyTo(Datagram.AsSpan(EchoTag.Length));
        DatagramLength = length;
    }

    /// <summary>Releases the timer this instance keeps across reuses.</summary>
    public void DisposeResources() => Timer?.Dispose();

    /// <summary>Tells the caller the outcome. Called once per use, after every other touch of this instance.</summary>
    public void Signal()
    {
        if (Error is { } error)
        {
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(Reply);
        }
    }

    /// <summary>Clears what belonged to the last call, so the pool holds no reference to a caller's memory or token.</summary>
    public void Reset()
    {
        Payload = default;
        CancellationToken = default;
        Registration = default;
        Reply = default;
        Error = null;
        State = Phase.Idle;
        Sending = false;
        CallNumber = -1;
        _core.Reset();
    }

    public UdpEchoReply GetResult(short token)
    {
        // A stale token is the caller's bug (a ValueTask awaited twice): report it without recycling anything.
        var current = token == _core.Version;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            if (current)
            {
                Owner.Return(this);
            }
        }
    }

    /// <summary>Compiles what registering a caller's continuation runs, without running it.</summary>
    public static void PrepareAwait()
    {
        RuntimeHelpers.PrepareMethod(typeof(PendingEcho).GetMethod(nameof(OnCompleted))!.MethodHandle);
        RuntimeHelpers.PrepareMethod(
            typeof(ManualResetValueTaskSourceCore<UdpEchoReply>).GetMethod(nameof(ManualResetValueTaskSourceCore<UdpEchoReply>.OnCompleted))!.MethodHandle,
            [typeof(ManualResetValueTaskSourceCore<UdpEchoReply>).TypeHandle]);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
