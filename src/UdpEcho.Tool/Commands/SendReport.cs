namespace UdpEcho.Tool.Commands;

/// <summary>What <c>udpecho send --json</c> prints: each message's round trip (microseconds) or why it got none, and the totals.</summary>
internal sealed record SendReport(
    string Target,
    string? RemoteEndPoint,
    int Bytes,
    int Sent,
    int Received,
    double DurationSeconds,
    IReadOnlyList<SendReply> Replies);

/// <summary>One message of <c>udpecho send</c>: its round trip and attempts when it was echoed, its error when it was not.</summary>
internal sealed record SendReply(int Sequence, double? RttMicroseconds, int? Attempts, string? Error);
