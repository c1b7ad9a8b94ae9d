using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// W3C trace context across Kafka, the same way in every service: a producer puts its span's context in the
/// <see cref="Topics.TraceParentHeader"/> header; a consumer starts its span from it or links to it, and forwards it
/// on what it produces, so one transaction's path — publish → score → alert → notify — is one chain of spans.
/// </summary>
public static class TraceHeaders
{
    /// <summary>A header set carrying <paramref name="activity"/>'s context; null without an activity or a W3C id.</summary>
    public static Headers? For(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? [new Header(Topics.TraceParentHeader, Encoding.ASCII.GetBytes(id))] : null;

    /// <summary>The message's traceparent copied onto an output (outputs stay in the trace when no span is recorded); null when it has none.</summary>
    public static Headers? Forward(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(Topics.TraceParentHeader, out var traceParent)
            ? [new Header(Topics.TraceParentHeader, traceParent)]
            : null;

    /// <summary>The message's traceparent as text; null when it has none.</summary>
    public static string? TraceParent(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(Topics.TraceParentHeader, out var traceParent) ? Encoding.ASCII.GetString(traceParent) : null;

    /// <summary>The context a traceparent names; default when absent or malformed.</summary>
    public static ActivityContext Parse(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;

    /// <summary>The context the message carries; default when it has none.</summary>
    public static ActivityContext Context(Headers? headers) => Parse(TraceParent(headers));

    /// <summary>Links to the contexts the messages carry, the first <paramref name="max"/> of them (a batch span links its inputs).</summary>
    public static List<ActivityLink> Links(IEnumerable<Headers?> headers, int max)
    {
        var links = new List<ActivityLink>();
        foreach (var set in headers)
        {
            if (links.Count == max)
            {
                break;
            }
            if (Context(set) is { TraceId: var traceId } context && traceId != default)
            {
                links.Add(new ActivityLink(context));
            }
        }
        return links;
    }
}
