namespace FraudDetection.Core.Transactions;

/// <summary>
/// The event times a stream accepts: from 1970 to a year after now or after the stream's newest event, whichever is
/// later. A looped replay moves each pass past the previous one, so its events run ahead of the clock (at 50 tx/s
/// about four years a day); only a jump of more than a year beyond both is implausible.
/// </summary>
public static class PlausibleDates
{
    public static readonly DateTime Earliest = new(1970, 1, 1);

    /// <summary>The latest plausible event time given the newest one the stream has accepted (null: none yet).</summary>
    public static DateTime Latest(DateTime? newestEvent)
    {
        var now = DateTime.UtcNow;
        return (newestEvent is { } newest && newest > now ? newest : now).AddYears(1);
    }

    public static bool IsPlausible(DateTime time, DateTime? newestEvent) => time >= Earliest && time <= Latest(newestEvent);
}
