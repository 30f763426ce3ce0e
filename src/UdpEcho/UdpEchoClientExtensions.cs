using System.Text;

namespace UdpEcho;

/// <summary>Convenience overloads for <see cref="IUdpEchoClient"/>.</summary>
public static class UdpEchoClientExtensions
{
    /// <summary>Sends <paramref name="message"/> encoded as UTF-8 and waits for its echo.</summary>
    /// <param name="client">The client.</param>
    /// <param name="message">The text to send. It is encoded as UTF-8 without a byte order mark.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The echo; decode it with <c>Encoding.UTF8.GetString(reply.Payload.Span)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="message"/> is <see langword="null"/>.</exception>
    public static ValueTask<UdpEchoReply> SendAndReceiveAsync(this IUdpEchoClient client, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(message);
        return client.SendAndReceiveAsync(Encoding.UTF8.GetBytes(message), cancellationToken);
    }
}
