using System.Diagnostics;

namespace FraudDetection.AppHost.Dashboard;

public sealed record SpanRecord(
    string TraceId, string SpanId, string? ParentSpanId, string Source, string Name, ActivityKind Kind,
    DateTime StartUtc, TimeSpan Duration, bool Error, IReadOnlyList<KeyValuePair<string, string?>> Tags);

/// <summary>Spans of one flow: a trace plus the spans in other traces that link to it (Kafka hops are links).</summary>
public sealed record TraceGroup(string TraceId, IReadOnlyList<SpanRecord> Spans)
{
    public DateTime StartUtc => Spans.Min(s => s.StartUtc);
    public DateTime EndUtc => Spans.Max(s => s.StartUtc + s.Duration);
    public IReadOnlyList<string> Sources => Spans.Select(s => s.Source).Distinct().ToList();
}

/// <summary>
/// Captures the services' spans in-process (ActivityListener on <c>FraudDetection.*</c> sources) and groups
/// them by trace id, following links so that producer → scoring → alert → notification shows as one flow.
/// </summary>
public sealed class TraceCollector : IDisposable
{
    private const int MaxGroups = 300;
    private const int MaxSpansPerGroup = 40;
    private const int MaxLinksFollowed = 8;

    private readonly ActivityListener _listener;
    private readonly object _gate = new();
    private readonly Dictionary<string, List<SpanRecord>> _groups = [];
    private readonly LinkedList<string> _order = new();
    private readonly Dictionary<string, string> _groupOfTrace = [];

    public TraceCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("FraudDetection.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = OnStarted,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The most recent flows, newest first; flows that cross more services (an alert, a notification) come first.</summary>
    public IReadOnlyList<TraceGroup> Recent(int count)
    {
        List<TraceGroup> groups;
        lock (_gate)
        {
            groups = _order.Select(id => new TraceGroup(id, _groups[id].ToList())).ToList();
        }
        return groups
            .OrderByDescending(g => Math.Min(g.Sources.Count, 4))
            .ThenByDescending(g => g.StartUtc)
            .Take(count)
            .ToList();
    }

    // A consumer span that links to a producer trace joins that flow, and so do the children it starts
    // (they may stop before it does, so the alias is set when it starts).
    private void OnStarted(Activity activity)
    {
        foreach (var link in activity.Links)
        {
            lock (_gate)
            {
                _groupOfTrace.TryAdd(activity.TraceId.ToHexString(), GroupOf(link.Context.TraceId.ToHexString()));
            }
            return;
        }
    }

    private void OnStopped(Activity activity)
    {
        var span = new SpanRecord(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.Source.Name,
            activity.DisplayName,
            activity.Kind,
            activity.StartTimeUtc,
            activity.Duration,
            activity.Status == ActivityStatusCode.Error,
            activity.TagObjects.Take(12).Select(t => new KeyValuePair<string, string?>(t.Key, LogRingBuffer.MaskCardNumbers(t.Value?.ToString() ?? ""))).ToList());

        var linked = activity.Links.Take(MaxLinksFollowed).Select(l => l.Context.TraceId.ToHexString()).ToList();
        lock (_gate)
        {
            if (linked.Count > 0)
            {
                foreach (var trace in linked)
                {
                    AddTo(GroupOf(trace), span);
                }
            }
            else
            {
                AddTo(GroupOf(span.TraceId), span);
            }
        }
    }

    private string GroupOf(string traceId) => _groupOfTrace.TryGetValue(traceId, out var group) ? group : traceId;

    private void AddTo(string groupId, SpanRecord span)
    {
        if (!_groups.TryGetValue(groupId, out var spans))
        {
            spans = [];
            _groups[groupId] = spans;
            _order.AddFirst(groupId);
            while (_order.Count > MaxGroups)
            {
                var oldest = _order.Last!.Value;
                _order.RemoveLast();
                _groups.Remove(oldest);
            }
            if (_groupOfTrace.Count > MaxGroups * 20)
            {
                _groupOfTrace.Clear();
            }
        }
        if (spans.Count < MaxSpansPerGroup)
        {
            spans.Add(span);
        }
    }

    public void Dispose() => _listener.Dispose();
}
