using System.Runtime.InteropServices;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features.Card;

/// <summary>Per card and category: count, last time and exponentially weighted amount moments.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CategoryStats
{
    public int Count;
    public int LastTime;
    public double MeanRaw;
    public double MeanLog;
    public double VarLog;
}

/// <summary>The card's amount profile in this transaction's category (15 slots: the 14 Kaggle categories + other).</summary>
internal sealed class CardCategoryFeatures() : CardFeatureGroup(Columns)
{
    private const double AlphaFloor = 1.0 / 30;

    public static readonly FeatureColumns Columns = new(FeatureGroups.CardCategories);
    private static readonly int CatTxCount = Columns.Add("cat_tx_count", "number of the card's previous transactions in this category", "card, all history", TransactionInputs.Category);
    private static readonly int CatShare = Columns.Add("cat_share", "cat_tx_count / card_tx_count; -1 new card", "card, all history", TransactionInputs.Category);
    private static readonly int CatAmtMean = Columns.Add("cat_amt_mean", "weighted mean amount in this category (weight max(1/n, 1/30)); -1 none", "card+category, ~30 transactions", TransactionInputs.Category);
    private static readonly int CatAmtLogStd = Columns.Add("cat_amt_log_std", "weighted std of ln(1 + amount) in this category; -1 none", "card+category, ~30 transactions", TransactionInputs.Category);
    private static readonly int CatAmtZ = Columns.Add("cat_amt_z", "(log_amt - category weighted mean log amount) / max(cat_amt_log_std, 0.1); 0 none", "card+category, ~30 transactions", TransactionInputs.Category);
    private static readonly int CatAmtRatioMean = Columns.Add("cat_amt_ratio_mean", "amt / cat_amt_mean; -1 none", "card+category, ~30 transactions", TransactionInputs.Category);

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f.Fill(-1);
            f[CatTxCount] = 0;
            f[CatAmtZ] = 0;
            return;
        }
        ref readonly var category = ref card.Categories[tx.Category];
        f[CatTxCount] = category.Count;
        f[CatShare] = (float)((double)category.Count / card.S.Count);
        if (category.Count > 0)
        {
            var std = Math.Sqrt(Math.Max(category.VarLog, 0));
            f[CatAmtMean] = (float)category.MeanRaw;
            f[CatAmtLogStd] = (float)std;
            f[CatAmtZ] = (float)((tx.LogAmount - category.MeanLog) / Math.Max(std, 0.1));
            f[CatAmtRatioMean] = (float)(tx.Amount / Math.Max(category.MeanRaw, 0.01));
        }
        else
        {
            f[CatAmtMean] = -1;
            f[CatAmtLogStd] = -1;
            f[CatAmtZ] = 0;
            f[CatAmtRatioMean] = -1;
        }
    }

    public override void Update(CardState card, in TransactionView tx, int n)
    {
        ref var category = ref card.Categories[tx.Category];
        var c = ++category.Count;
        var alpha = Math.Max(1.0 / c, AlphaFloor);
        category.MeanRaw += alpha * (tx.Amount - category.MeanRaw);
        var delta = tx.LogAmount - category.MeanLog;
        category.MeanLog += alpha * delta;
        category.VarLog = (1 - alpha) * (category.VarLog + alpha * delta * delta);
        if (tx.Time > category.LastTime || c == 1) category.LastTime = tx.Time;
    }
}
