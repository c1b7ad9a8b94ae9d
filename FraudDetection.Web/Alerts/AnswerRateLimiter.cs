using System.Diagnostics;
using System.Threading.RateLimiting;

namespace FraudDetection.Web.Alerts;

/// <summary>
/// The card holder's answers accepted per client address and minute (<c>Web:AnswersPerMinute</c>): one fixed-window
/// limiter of System.Threading.RateLimiting per address, replenished when asked. Not ASP.NET Core's rate limiting
/// middleware: its partitioned limiter wakes every 100 ms for the life of the process, answers or not, and that was
/// the largest part of the Web's cost at rest.
/// </summary>
public sealed class AnswerRateLimiter : IDisposable
{
    private readonly TimeSpan _window;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (FixedWindowRateLimiter Limiter, long LastUsed)> _byAddress = [];
    private long _lastSweep = Stopwatch.GetTimestamp();

    public AnswerRateLimiter(int permitsPerMinute) : this(permitsPerMinute, TimeSpan.FromMinutes(1))
    {
    }

    /// <summary>A shorter <paramref name="window"/> than a minute is for tests.</summary>
    internal AnswerRateLimiter(int permits, TimeSpan window)
    {
        PermitsPerMinute = permits > 0 ? permits : throw new ArgumentOutOfRangeException(nameof(permits), permits, "Web:AnswersPerMinute must be at least 1");
        _window = window;
    }

    public int PermitsPerMinute { get; }

    /// <summary>Addresses with a window open (an address unseen for a minute is forgotten).</summary>
    public int Addresses
    {
        get
        {
            lock (_gate)
            {
                return _byAddress.Count;
            }
        }
    }

    /// <summary>Takes one answer of <paramref name="address"/>'s window; false when its minute's answers are used up.</summary>
    public bool TryAcquire(string address)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (Stopwatch.GetElapsedTime(_lastSweep, now) >= _window)
            {
                Sweep(now);
            }
            if (!_byAddress.TryGetValue(address, out var entry))
            {
                entry = (new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
                {
                    PermitLimit = PermitsPerMinute,
                    Window = _window,
                    QueueLimit = 0,
                    AutoReplenishment = false, // no timer: the window is renewed here, when it is over
                }), now);
            }
            entry.Limiter.TryReplenish();
            _byAddress[address] = (entry.Limiter, now);
            using var lease = entry.Limiter.AttemptAcquire();
            return lease.IsAcquired;
        }
    }

    // An address unseen for a whole window would start a fresh one anyway: forget it.
    private void Sweep(long now)
    {
        _lastSweep = now;
        foreach (var (address, entry) in _byAddress.ToList())
        {
            if (Stopwatch.GetElapsedTime(entry.LastUsed, now) >= _window)
            {
                _byAddress.Remove(address);
                entry.Limiter.Dispose();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _byAddress.Values)
            {
                entry.Limiter.Dispose();
            }
            _byAddress.Clear();
        }
    }
}

/// <summary>Answers <c>429</c> with a problem body once the caller's address has used its minute's answers.</summary>
internal sealed class AnswerRateLimitFilter(AnswerRateLimiter limiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var address = context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "local";
        if (!limiter.TryAcquire(address))
        {
            context.HttpContext.Response.Headers.RetryAfter = "60";
            return Results.Problem(
                $"At most {limiter.PermitsPerMinute} answers a minute are taken from one address; try again in a minute.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many answers");
        }
        return await next(context);
    }
}
