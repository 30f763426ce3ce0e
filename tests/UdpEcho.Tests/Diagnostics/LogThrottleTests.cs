using Microsoft.Extensions.Time.Testing;
using UdpEcho.Diagnostics;

namespace UdpEcho.Tests.Diagnostics;

public sealed class LogThrottleTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryEnter_OneLinePerInterval_ReportsWhatItHeldBack()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(TimeSpan.FromSeconds(5), time);

        Assert.True(throttle.TryEnter(out var suppressed));
        Assert.Equal(0, suppressed);
        Assert.False(throttle.TryEnter(out _));
        Assert.False(throttle.TryEnter(out _));
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(throttle.TryEnter(out _));

        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(throttle.TryEnter(out suppressed));
        Assert.Equal(3, suppressed);
        Assert.False(throttle.TryEnter(out _));
        await Task.CompletedTask;
    }
}
