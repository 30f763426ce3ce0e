namespace UdpEcho;

/// <summary>How <see cref="UdpEchoImpairmentOptions.Jitter"/> varies each echo's delay.</summary>
public enum UdpEchoDelayDistribution
{
    /// <summary>Uniformly between <c>Delay - Jitter</c> and <c>Delay + Jitter</c>.</summary>
    Uniform,

    /// <summary>Normally distributed around <c>Delay</c>, with <c>Jitter</c> as the standard deviation (as netem's <c>distribution normal</c>).</summary>
    Normal,
}
