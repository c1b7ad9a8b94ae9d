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
    private const int MaxAliases = 50_000;
    private const int EvictionScan = 64;
    private const int MaxCrossing = 2000;

    private readonly ActivityListener _listener;
    private readonly object _gate = new();
    private readonly Dictionary<string, List<SpanRecord>> _groups = [];
    private readonly LinkedList<string> _order = new();
    private readonly Dictionary<string, string> _groupOfTrace = [];
    // Flows a consumer joined (producer → scoring, then alert → notification): kept longer than the lone producer
    // spans that thousands of tx/s push through the groups, so a notification seconds later still finds its flow.
    private readonly Dictionary<string, List<SpanRecord>> _crossing = [];
    private readonly LinkedList<string> _crossingOrder = new();

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
        var flows = new Dictionary<string, List<SpanRecord>>();
        lock (_gate)
        {
            foreach (var id in _crossingOrder)
            {
                flows[id] = _crossing[id].ToList();
            }
            foreach (var id in _order)
            {
                if (!flows.TryGetValue(id, out var known) || known.Count < _groups[id].Count)
                {
                    flows[id] = _groups[id].ToList();
                }
            }
        }
        return flows.Select(f => new TraceGroup(f.Key, f.Value))
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
                KeepCrossing(GroupOf(linked[0]));
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
                Evict();
            }
            if (_groupOfTrace.Count > MaxAliases)
            {
                _groupOfTrace.Clear();
            }
        }
        if (spans.Count < MaxSpansPerGroup)
        {
            spans.Add(span);
        }
        if (_crossing.TryGetValue(groupId, out var flow) && flow.Count < MaxSpansPerGroup && !flow.Contains(span))
        {
            flow.Add(span);
        }
    }

    private void KeepCrossing(string groupId)
    {
        if (_crossing.ContainsKey(groupId) || !_groups.TryGetValue(groupId, out var spans))
        {
            return;
        }
        _crossing[groupId] = [.. spans];
        _crossingOrder.AddFirst(groupId);
        if (_crossingOrder.Count > MaxCrossing)
        {
            _crossing.Remove(_crossingOrder.Last!.Value);
            _crossingOrder.RemoveLast();
        }
    }

    /// <summary>
    /// Drops the oldest flow that stayed within one service (at thousands of tx/s most flows are a lone producer
    /// span); flows that crossed services are kept longer, so a later notification still finds its flow.
    /// </summary>
    private void Evict()
    {
        var node = _order.Last;
        for (var i = 0; node is not null && i < EvictionScan; i++, node = node.Previous)
        {
            var spans = _groups[node.Value];
            if (spans.All(s => s.Source == spans[0].Source))
            {
                _order.Remove(node);
                _groups.Remove(node.Value);
                return;
            }
        }
        var oldest = _order.Last!.Value;
        _order.RemoveLast();
        _groups.Remove(oldest);
    }

    public void Dispose() => _listener.Dispose();
}
