using System.Net;
using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>The echo of one <see cref="IUdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> call.</summary>
public readonly struct UdpEchoReply : IEquatable<UdpEchoReply>
{
    /// <summary>Initializes a new instance of the <see cref="UdpEchoReply"/> struct, for example to return from a mock.</summary>
    /// <param name="payload">The echoed bytes.</param>
    /// <param name="roundTripTime">The time from the send of the echoed datagram to the echo's arrival.</param>
    /// <param name="remoteEndPoint">The endpoint the echo came from.</param>
    /// <param name="attempts">How many times the datagram was sent, 1 or more.</param>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="roundTripTime"/> is negative or <paramref name="attempts"/> is less than 1.</exception>
    public UdpEchoReply(ReadOnlyMemory<byte> payload, TimeSpan roundTripTime, IPEndPoint remoteEndPoint, int attempts)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(roundTripTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        Payload = payload;
        RoundTripTime = roundTripTime;
        RemoteEndPoint = remoteEndPoint;
        Attempts = attempts;
    }

    /// <summary>Gets the echoed bytes.</summary>
    /// <remarks>
    /// A reply from <see cref="UdpEchoClient"/> holds the caller's own <c>payload</c> memory, not a copy: the echo that
    /// completed the call is byte-for-byte equal to it by definition (in tagged mode, after the tag), so copying it
    /// would only allocate. If the caller changes that memory after the call, the reply shows the change.
    /// </remarks>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the time from the send of the echoed datagram to the arrival of its echo.</summary>
    /// <remarks>
    /// In <see cref="UdpEchoMatching.ExactBytes"/> mode, when a retry was sent, an echo of an earlier attempt cannot be
    /// told from an echo of the last one (the bytes are identical), so the time is measured from the last send;
    /// <see cref="Attempts"/> says whether that happened. In <see cref="UdpEchoMatching.Tagged"/> mode each attempt
    /// carries its own send time, so the time is exact for whichever attempt came back.
    /// </remarks>
    public TimeSpan RoundTripTime { get; }

    /// <summary>Gets the endpoint the echo came from.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Gets how many times the datagram was sent before its echo arrived: 1 when no retry was needed.</summary>
    public int Attempts { get; }

    /// <inheritdoc />
    public bool Equals(UdpEchoReply other) =>
        Payload.Span.SequenceEqual(other.Payload.Span)
        && RoundTripTime == other.RoundTripTime
        && Equals(RemoteEndPoint, other.RemoteEndPoint)
        && Attempts == other.Attempts;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UdpEchoReply other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Payload.Length, RoundTripTime, RemoteEndPoint, Attempts);

    /// <summary>Gives the echo's length, its sender, its round trip in milliseconds and the attempts it took.</summary>
    /// <returns>For example <c>11 bytes from 127.0.0.1:7 in 0.042 ms, 1 attempt(s)</c>.</returns>
    public override string ToString() => Figures.Invariant($"{Payload.Length} bytes from {RemoteEndPoint} in {Figures.Ms(RoundTripTime)} ms, {Attempts} attempt(s)");

    /// <summary>Compares two replies by value.</summary>
    /// <param name="left">The first reply.</param>
    /// <param name="right">The second reply.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(UdpEchoReply left, UdpEchoReply right) => left.Equals(right);

    /// <summary>Compares two replies by value.</summary>
    /// <param name="left">The first reply.</param>
    /// <param name="right">The second reply.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(UdpEchoReply left, UdpEchoReply right) => !left.Equals(right);
}
