using System.Net;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>
/// Configures a benchmark: which server, how hard, with what datagrams, for how long. The benchmark takes a copy when
/// it starts.
/// </summary>
/// <remarks>
/// A datagram of 16 bytes or more starts with a header (its number and its send timestamp), so that each echo is
/// matched to its own datagram and timed on its own; the bytes after it follow a fixed pattern. Smaller datagrams
/// carry only the pattern and are matched in the order they were sent. Every echo is compared byte for byte.
/// </remarks>
public sealed class UdpEchoBenchmarkOptions
{
    /// <summary>The smallest <see cref="Size"/> whose datagrams carry a header, so that each echo finds its own datagram.</summary>
    public const int HeaderSize = 16;

    /// <summary>The most datagrams in flight at once.</summary>
    public const int MaxWindow = 65536;

    /// <summary>The default <see cref="Window"/> of <see cref="UdpEchoBenchmarkMode.Flood"/>.</summary>
    public const int DefaultWindow = 64;

    private static readonly TimeSpan MaxTime = TimeSpan.FromHours(24);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the echo server: an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> whose host name is resolved once when the benchmark starts.</summary>
    /// <value>There is no default: it must be set.</value>
    public EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Gets or sets how the server is loaded.</summary>
    /// <value>The default is <see cref="UdpEchoBenchmarkMode.Flood"/>.</value>
    public UdpEchoBenchmarkMode Mode { get; set; } = UdpEchoBenchmarkMode.Flood;

    /// <summary>Gets or sets the size of each datagram in bytes: the whole UDP payload, header included.</summary>
    /// <value>The default is 64. From 0 to 65,507 over IPv4, 65,527 over IPv6.</value>
    public int Size { get; set; } = 64;

    /// <summary>Gets or sets how long to keep sending, after the <see cref="WarmUp"/>. Then the datagrams in flight are waited for, up to <see cref="Timeout"/>.</summary>
    /// <value>The default is 10 seconds. Positive, at most 24 hours.</value>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the most datagrams in flight (sent, neither answered nor timed out) at once.</summary>
    /// <value>
    /// The default is <see langword="null"/>: <see cref="DefaultWindow"/> in <see cref="UdpEchoBenchmarkMode.Flood"/>, 1 in
    /// <see cref="UdpEchoBenchmarkMode.PingPong"/>, which allows no other value. From 1 to <see cref="MaxWindow"/>.
    /// </value>
    public int? Window { get; set; }

    /// <summary>Gets or sets how long a datagram waits for its echo before it counts as lost and frees its place in the window.</summary>
    /// <value>The default is 1 second. Positive, at most one hour.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long to send before measuring, to warm up caches, the JIT and the server; left out of every figure.</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>. At least zero, at most 24 hours.</value>
    public TimeSpan WarmUp { get; set; }

    /// <summary>Gets the window the benchmark keeps: <see cref="Window"/>, or the mode's default.</summary>
    internal int EffectiveWindow => Window ?? (Mode == UdpEchoBenchmarkMode.PingPong ? 1 : DefaultWindow);

    /// <summary>Gets or sets a value indicating whether to use the portable socket loop even where the batched Linux one works; for tests.</summary>
    internal bool UsePortableEngine { get; set; }

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid. The message names the option and its value.</exception>
    public void Validate()
    {
        RemoteEndPoints.Validate(RemoteEndPoint, $"{nameof(UdpEchoBenchmarkOptions)}.{nameof(RemoteEndPoint)}");

        if (!Enum.IsDefined(Mode))
        {
            throw Invalid(nameof(Mode), Mode, $"must be Flood or PingPong; it was {(int)Mode}.");
        }

        if (Size is < 0 or > UdpEchoServerOptions.MaxIPv6DatagramSize)
        {
            throw Invalid(nameof(Size), Size, $"must be from 0 to {UdpEchoServerOptions.MaxIPv6DatagramSize} bytes ({UdpEchoServerOptions.MaxIPv4DatagramSize} over IPv4); it was {Size}.");
        }

        if (Duration <= TimeSpan.Zero || Duration > MaxTime)
        {
            throw Invalid(nameof(Duration), Duration, $"must be positive and at most {MaxTime}; it was {Duration}.");
        }

        if (Window is < 1 or > MaxWindow)
        {
            throw Invalid(nameof(Window), Window, $"must be from 1 to {MaxWindow}, or null; it was {Window}.");
        }

        if (Mode == UdpEchoBenchmarkMode.PingPong && Window is > 1)
        {
            throw Invalid(nameof(Window), Window, $"must be 1 or null in PingPong mode, which keeps one datagram in flight; it was {Window}.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout)
        {
            throw Invalid(nameof(Timeout), Timeout, $"must be positive and at most {MaxTimeout}; it was {Timeout}.");
        }

        if (WarmUp < TimeSpan.Zero || WarmUp > MaxTime)
        {
            throw Invalid(nameof(WarmUp), WarmUp, $"must be from zero to {MaxTime}; it was {WarmUp}.");
        }
    }

    internal UdpEchoBenchmarkOptions Clone() => (UdpEchoBenchmarkOptions)MemberwiseClone();

    private static ArgumentOutOfRangeException Invalid(string option, object? value, string rule) =>
        new(option, value, $"{nameof(UdpEchoBenchmarkOptions)}.{option} {rule}");
}
