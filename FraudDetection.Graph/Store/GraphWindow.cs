namespace FraudDetection.Graph.Store;

/// <summary>A half-open window [From, To) of transaction time (the holder's local time, as in the data).</summary>
public readonly record struct GraphWindow(DateTime From, DateTime To)
{
    public static GraphWindow All { get; } = new(DateTime.UnixEpoch, new DateTime(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    public long FromTs => GraphEdge.ToTs(From);
    public long ToTs => GraphEdge.ToTs(To);

    public bool Contains(long ts) => ts >= FromTs && ts < ToTs;

    public static GraphWindow Of(DateTime? from, DateTime? to) => new(from ?? All.From, to ?? All.To);
}
