namespace UdpEcho.Correlation;

/// <summary>The exceptions a call or probe ends with when the client is disposed under it.</summary>
internal static class ClientErrors
{
    public static ObjectDisposedException Disposed(string doing) =>
        new(nameof(UdpEchoClient), $"The UDP echo client was disposed while the call was {doing}.");

    public static ObjectDisposedException Disposed(string doing, Exception innerException) =>
        new($"The UDP echo client was disposed while it was {doing}.", innerException);
}
