namespace UdpEcho.Tests.Stamp;

/// <summary>
/// Test packets written by hand from the layouts of RFC 8762 §4.2.1 and §4.3.1 (with RFC 8972's SSID), with fields
/// chosen so that every one is told apart from its neighbours. Each call returns a fresh copy.
/// </summary>
internal static class StampVectors
{
    /// <summary>The Unix time of <see cref="SenderPacket"/>'s T1: 1,700,000,000.5 s (NTP 0xE8FE6F80.80000000).</summary>
    public const long SenderUnixNanoseconds = 1_700_000_000_500_000_000;

    /// <summary>A receive time 250 ms after T1: 1,700,000,000.75 s (NTP 0xE8FE6F80.C0000000).</summary>
    public const long ReceiveUnixNanoseconds = 1_700_000_000_750_000_000;

    /// <summary>The reflector's error estimate the tests supply: S = 1, Scale 1, Multiplier 0x23.</summary>
    public const ushort ReflectorErrorEstimate = 0x8123;

    /// <summary>
    /// A Session-Sender test packet: Sequence Number 0x01020304, T1 = 1,700,000,000.5 s, Error Estimate 0x8A0B (S = 1,
    /// Scale 10, Multiplier 11), SSID 0xBEEF, 28 octets of MBZ.
    /// </summary>
    public static byte[] SenderPacket() =>
    [
        0x01, 0x02, 0x03, 0x04, // Sequence Number
        0xE8, 0xFE, 0x6F, 0x80, 0x80, 0x00, 0x00, 0x00, // Timestamp T1
        0x8A, 0x0B, // Error Estimate
        0xBE, 0xEF, // SSID
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // MBZ (28)
    ];

    /// <summary>
    /// What a stateless reflector sends back for <see cref="SenderPacket"/> received at
    /// <see cref="ReceiveUnixNanoseconds"/> with TTL 64, before T3 is written (zero).
    /// </summary>
    public static byte[] StatelessReply() =>
    [
        0x01, 0x02, 0x03, 0x04, // Sequence Number: the sender's
        0, 0, 0, 0, 0, 0, 0, 0, // Timestamp T3: written at send time
        0x81, 0x23, // Error Estimate: the reflector's
        0xBE, 0xEF, // SSID
        0xE8, 0xFE, 0x6F, 0x80, 0xC0, 0x00, 0x00, 0x00, // Receive Timestamp T2
        0x01, 0x02, 0x03, 0x04, // Session-Sender Sequence Number
        0xE8, 0xFE, 0x6F, 0x80, 0x80, 0x00, 0x00, 0x00, // Session-Sender Timestamp
        0x8A, 0x0B, // Session-Sender Error Estimate
        0x00, 0x00, // MBZ
        64, // Ses-Sender TTL
        0x00, 0x00, 0x00, // MBZ
    ];

    /// <summary>A sender's IPv4 <c>sockaddr_in</c> (Linux layout): 192.0.2.7, port 40000 (0x9C40).</summary>
    public static byte[] SenderV4() => [2, 0, 0x9C, 0x40, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The same sender as <see cref="SenderV4"/>, as a dual-mode socket reports it: <c>sockaddr_in6</c> of ::ffff:192.0.2.7.</summary>
    public static byte[] SenderV4Mapped() =>
        [10, 0, 0x9C, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 7, 0, 0, 0, 0];

    /// <summary>Another sender port on the same host: 40001.</summary>
    public static byte[] OtherSenderV4() => [2, 0, 0x9C, 0x41, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>An IPv6 sender: 2001:db8::1, port 50000 (0xC350).</summary>
    public static byte[] SenderV6() =>
        [10, 0, 0xC3, 0x50, 0, 0, 0, 0, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

    /// <summary>The reflector's local address: 198.51.100.1, port 862 (0x035E).</summary>
    public static byte[] LocalV4() => [2, 0, 0x03, 0x5E, 198, 51, 100, 1, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>A second local address of the reflector: 198.51.100.2, port 862.</summary>
    public static byte[] OtherLocalV4() => [2, 0, 0x03, 0x5E, 198, 51, 100, 2, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary><see cref="SenderPacket"/> with another sequence number and SSID.</summary>
    public static byte[] SenderPacket(uint sequence, ushort ssid)
    {
        var packet = SenderPacket();
        packet[0] = (byte)(sequence >> 24);
        packet[1] = (byte)(sequence >> 16);
        packet[2] = (byte)(sequence >> 8);
        packet[3] = (byte)sequence;
        packet[14] = (byte)(ssid >> 8);
        packet[15] = (byte)ssid;
        return packet;
    }
}
