using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features.Card;

/// <summary>The card's amount moments and its typical daily activity (<see cref="CardAmountFeatures"/>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AmountScalars
{
    public double MeanRaw;
    public double MeanLog;
    public double VarLog;
    public double DecayedSpend;       // amounts decayed with the 30-day time constant, as of the card's last time
    public double DecayedCount;
}

/// <summary>The card's amount profile (exponentially weighted moments) and typical daily spend and count (30-day decay).</summary>
internal sealed class CardAmountFeatures() : CardFeatureGroup(Columns)
{
    public const double AlphaFloor = 1.0 / 100;
    private const double DecaySeconds = 30 * 86400.0;

    public static readonly FeatureColumns Columns = new(FeatureGroups.CardAmounts);
    private static readonly int CardTxCount = Columns.Add("card_tx_count", "number of previous transactions of the card", "card, all history");
    private static readonly int CardAgeDays = Columns.Add("card_age_days", "days since the card's first transaction; -1 for a new card", "card, all history");
    private static readonly int DailySpendTypical = Columns.Add("daily_spend_typical", "the card's typical daily spend: amounts decayed with a 30-day time constant / effective days; -1 new card", "card, 30-day decay");
    private static readonly int DailyCountTypical = Columns.Add("daily_count_typical", "the card's typical transactions per day, same decay; -1 new card", "card, 30-day decay");
    private static readonly int GapVsTypical = Columns.Add("gap_vs_typical", "secs_since_prev_tx / the card's typical gap (86400 / daily_count_typical); -1 unknown", "card, 30-day decay");
    private static readonly int AmtMean = Columns.Add("amt_mean", "exponentially weighted mean amount (weight max(1/n, 1/100)); -1 new card", "card, ~100 transactions");
    private static readonly int AmtLogStd = Columns.Add("amt_log_std", "exponentially weighted std of ln(1 + amount); -1 new card", "card, ~100 transactions");
    private static readonly int AmtZ = Columns.Add("amt_z", "(log_amt - weighted mean of log amounts) / max(amt_log_std, 0.1); 0 new card", "card, ~100 transactions");
    private static readonly int AmtRatioMean = Columns.Add("amt_ratio_mean", "amt / amt_mean; -1 new card", "card, ~100 transactions");

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f.Fill(-1);
            f[CardTxCount] = 0;
            f[AmtZ] = 0;
            frame.DailySpend = frame.DailyCount = 0;
            return;
        }
        ref readonly var s = ref card.S;
        ref readonly var a = ref s.Amounts;
        var t = tx.Time;
        var sincePrevious = Math.Max(0, (long)t - s.LastTime);
        var decay = Math.Exp(-sincePrevious / DecaySeconds);
        var cardAge = Math.Max(0, (long)t - s.FirstTime);
        var effectiveDays = DecaySeconds / 86400 * (1 - Math.Exp(-Math.Max(cardAge, 86400) / DecaySeconds));
        var dailySpend = a.DecayedSpend * decay / effectiveDays;
        var dailyCount = a.DecayedCount * decay / effectiveDays;
        frame.DailySpend = dailySpend;
        frame.DailyCount = dailyCount;

        f[CardTxCount] = s.Count;
        f[CardAgeDays] = (float)(cardAge / 86400.0);
        f[DailySpendTypical] = (float)dailySpend;
        f[DailyCountTypical] = (float)dailyCount;
        f[GapVsTypical] = dailyCount > 1e-9 ? (float)(sincePrevious * dailyCount / 86400) : -1;
        f[AmtMean] = (float)a.MeanRaw;
        var logStd = Math.Sqrt(Math.Max(a.VarLog, 0));
        f[AmtLogStd] = (float)logStd;
        f[AmtZ] = (float)((tx.LogAmount - a.MeanLog) / Math.Max(logStd, 0.1));
        f[AmtRatioMean] = (float)(tx.Amount / Math.Max(a.MeanRaw, 0.01));
    }

    public override void Update(CardState card, in TransactionView tx, int n)
    {
        ref var a = ref card.S.Amounts;
        var amt = tx.Amount;
        var alpha = Math.Max(1.0 / n, AlphaFloor);
        a.MeanRaw += alpha * (amt - a.MeanRaw);
        var delta = tx.LogAmount - a.MeanLog;
        a.MeanLog += alpha * delta;
        a.VarLog = (1 - alpha) * (a.VarLog + alpha * delta * delta);
        if (n == 1)
        {
            a.DecayedSpend = Math.Max(amt, 0);
            a.DecayedCount = 1;
        }
        else
        {
            var decay = Math.Exp(-Math.Max(0, (long)tx.Time - card.S.LastTime) / DecaySeconds);
            a.DecayedSpend = a.DecayedSpend * decay + Math.Max(amt, 0);
            a.DecayedCount = a.DecayedCount * decay + 1;
        }
    }
}
