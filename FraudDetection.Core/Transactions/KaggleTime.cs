namespace FraudDetection.Core.Transactions;

/// <summary>How the Kaggle files relate <c>unix_time</c> to <c>trans_date_trans_time</c>.</summary>
public static class KaggleTime
{
    /// <summary>
    /// unix_time = epoch seconds of trans_date_trans_time read as UTC, minus 2557 days (the Sparkov dates were shifted
    /// by +2557 days, the epoch seconds were not). True for every row of the Kaggle files and of sparkov-A.
    /// </summary>
    public const long UnixTimeOffsetSeconds = 2557L * 86_400;

    public static long UnixTime(DateTime transDateTransTime) =>
        new DateTimeOffset(DateTime.SpecifyKind(transDateTransTime, DateTimeKind.Unspecified), TimeSpan.Zero).ToUnixTimeSeconds() - UnixTimeOffsetSeconds;
}
