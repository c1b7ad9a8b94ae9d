using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace FraudDetection.AppHost.Dashboard;

public sealed record LogLine(DateTimeOffset At, LogLevel Level, string Category, string Message);

/// <summary>
/// Keeps the latest log lines of each resource in memory for the page (an in-memory ILoggerProvider;
/// no package here offers one). Anything that looks like a full card number is masked before it is kept.
/// </summary>
public sealed partial class LogRingBuffer(ResourceCatalog catalog, int linesPerResource = 200) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, Ring> _rings = new();
    private readonly ConcurrentDictionary<string, string> _resourceByCategory = new();

    public ILogger CreateLogger(string categoryName) => new RingLogger(this, categoryName);

    public IReadOnlyList<LogLine> Recent(string resource, int count)
    {
        if (!_rings.TryGetValue(resource, out var ring))
        {
            return [];
        }
        return ring.Latest(count);
    }

    public static string MaskCardNumbers(string text) => CardNumberPattern().Replace(text, m => "****" + m.Value[^4..]);

    internal void Add(string category, LogLevel level, string message)
    {
        var resource = _resourceByCategory.GetOrAdd(category, c => catalog.ForLogCategory(c).Name);
        var ring = _rings.GetOrAdd(resource, _ => new Ring(linesPerResource));
        ring.Add(new LogLine(DateTimeOffset.UtcNow, level, category, MaskCardNumbers(message)));
    }

    public void Dispose()
    {
    }

    // 12–19 consecutive digits not inside a longer number: a card number by length (Kaggle cc_num has 12–19 digits).
    [GeneratedRegex(@"(?<!\d)\d{12,19}(?!\d)")]
    private static partial Regex CardNumberPattern();

    private sealed class Ring(int capacity)
    {
        private readonly LogLine[] _lines = new LogLine[capacity];
        private long _next;

        public void Add(LogLine line)
        {
            lock (_lines)
            {
                _lines[_next % _lines.Length] = line;
                _next++;
            }
        }

        public IReadOnlyList<LogLine> Latest(int count)
        {
            lock (_lines)
            {
                var n = (int)Math.Min(Math.Min(count, _lines.Length), _next);
                var result = new LogLine[n];
                for (var i = 0; i < n; i++)
                {
                    result[i] = _lines[(_next - n + i) % _lines.Length];
                }
                return result;
            }
        }
    }

    private sealed class RingLogger(LogRingBuffer owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += " — " + exception.GetType().Name + ": " + exception.Message;
            }
            owner.Add(category, logLevel, message);
        }
    }
}
