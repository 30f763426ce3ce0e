namespace UdpEcho.Diagnostics;

/// <summary>Raises <c>MessageReceived</c> for the server and the client alike.</summary>
internal static class Subscribers
{
    /// <summary>
    /// Calls each handler in turn, so that one that throws neither stops the caller's receive loop nor keeps the
    /// others from running; <paramref name="onError"/> counts and logs it.
    /// </summary>
    public static void Invoke<TState>(
        EventHandler<UdpEchoMessageReceivedEventArgs> handlers,
        object sender,
        UdpEchoMessageReceivedEventArgs args,
        TState state,
        Action<TState, Exception> onError)
    {
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<UdpEchoMessageReceivedEventArgs>)handler)(sender, args);
            }
#pragma warning disable CA1031 // A subscriber's bug must never stop a receive loop: catch everything, then count and log it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                onError(state, e);
            }
        }
    }
}
