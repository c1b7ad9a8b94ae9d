namespace FraudDetection.Producer.Sources;

/// <summary>
/// How a replay moves event times: by a whole number of weeks, and every date of birth by the same days. Every
/// feature reads either a difference of two event times (gaps, windows, label delay), the local hour and day of
/// the week (unchanged by whole weeks), or the holder's age (event date minus dob, unchanged when both move) — so a
/// shifted replay has exactly the features of the original rows.
/// </summary>
public static class ReplayShift
{
    public static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>The whole weeks that bring <paramref name="first"/> into the week before <paramref name="now"/> (never after it).</summary>
    public static TimeSpan ToNow(DateTime first, DateTime now) => Weeks((long)Math.Floor((now - first).Ticks / (double)Week.Ticks));

    /// <summary>The fewest whole weeks longer than <paramref name="span"/> (a loop's next pass starts after the last one ended).</summary>
    public static TimeSpan Beyond(TimeSpan span) => Weeks(Math.Max(0, span.Ticks / Week.Ticks) + 1);

    public static TimeSpan Weeks(long weeks) => TimeSpan.FromDays(7 * weeks);

    /// <summary><paramref name="row"/> moved by <paramref name="shift"/> (whole weeks): event time, unix_time and dob.</summary>
    public static Transaction Apply(Transaction row, TimeSpan shift)
    {
        if (shift == TimeSpan.Zero)
        {
            return row;
        }
        return row with
        {
            TransDateTransTime = row.TransDateTransTime + shift,
            UnixTime = row.UnixTime + (long)shift.TotalSeconds,
            // An unknown dob (default) stays unknown.
            Dob = row.Dob == default ? default : row.Dob.AddDays(shift.Days),
        };
    }
}
