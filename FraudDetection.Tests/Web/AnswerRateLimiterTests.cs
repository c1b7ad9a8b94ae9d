using FraudDetection.Web.Alerts;

namespace FraudDetection.Tests.Web;

/// <summary>The card holder's answers per client address and window, without a timer that runs while nobody answers.</summary>
public sealed class AnswerRateLimiterTests
{
    [Fact]
    public void Each_address_gets_its_own_permits_for_the_window()
    {
        using var limiter = new AnswerRateLimiter(2);

        limiter.TryAcquire("10.0.0.1").Should().BeTrue();
        limiter.TryAcquire("10.0.0.1").Should().BeTrue();
        limiter.TryAcquire("10.0.0.1").Should().BeFalse("the address used its two answers of this minute");
        limiter.TryAcquire("10.0.0.2").Should().BeTrue("another address has its own window");
        limiter.TryAcquire("10.0.0.1").Should().BeFalse();
    }

    [Fact]
    public async Task A_new_window_gives_the_permits_back()
    {
        using var limiter = new AnswerRateLimiter(1, TimeSpan.FromMilliseconds(300));
        limiter.TryAcquire("10.0.0.1").Should().BeTrue();
        limiter.TryAcquire("10.0.0.1").Should().BeFalse();

        await Task.Delay(TimeSpan.FromMilliseconds(450));

        limiter.TryAcquire("10.0.0.1").Should().BeTrue("the window is over, so it is renewed when asked");
        limiter.TryAcquire("10.0.0.1").Should().BeFalse();
    }

    [Fact]
    public async Task Addresses_unseen_for_a_window_are_forgotten()
    {
        using var limiter = new AnswerRateLimiter(1, TimeSpan.FromMilliseconds(200));
        limiter.TryAcquire("10.0.0.1");
        limiter.TryAcquire("10.0.0.2");
        limiter.Addresses.Should().Be(2);

        await Task.Delay(TimeSpan.FromMilliseconds(350));

        limiter.TryAcquire("10.0.0.3").Should().BeTrue();
        limiter.Addresses.Should().Be(1, "the two quiet addresses' windows were over, so only the new one is kept");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_limit_below_one_is_refused_with_its_setting_named(int permits)
    {
        var create = () => new AnswerRateLimiter(permits);
        create.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Web:AnswersPerMinute*");
    }
}
