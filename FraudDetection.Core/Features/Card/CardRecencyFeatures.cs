using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features.Card;

/// <summary>The card's previous transaction: overall, at this merchant, in this category. Reads other groups' state only.</summary>
internal sealed class CardRecencyFeatures() : CardFeatureGroup(Columns)
{
    public static readonly FeatureColumns Columns = new(FeatureGroups.CardRecency);
    private static readonly int SecsSincePrevTx = Columns.Add("secs_since_prev_tx", "seconds since the card's previous transaction; -1 none", "card, all history");
    private static readonly int SecsSincePrevSameMerchant = Columns.Add("secs_since_prev_same_merchant", "seconds since the card's previous transaction at this merchant; -1 none remembered", "card, 64-slot merchant cache");
    private static readonly int SecsSincePrevSameCategory = Columns.Add("secs_since_prev_same_category", "seconds since the card's previous transaction in this category; -1 none", "card, all history", TransactionInputs.Category);
    private static readonly int PrevAmt = Columns.Add("prev_amt", "amount of the card's previous transaction; -1 none", "card, previous transaction");
    private static readonly int PrevAmtRatio = Columns.Add("prev_amt_ratio", "previous transaction's amount / the card's mean in its category at that time; -1 unknown", "card, previous transaction");
    private static readonly int PrevCategory = Columns.Add("prev_category", "category code of the card's previous transaction; -1 none or unknown", "card, previous transaction", TransactionInputs.Category);

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f.Fill(-1);
            return;
        }
        var t = tx.Time;
        f[SecsSincePrevTx] = Since(t, card.S.LastTime);
        ref readonly var slot = ref card.Merchants[tx.MerchantHash & (CardHabitFeatures.MerchantSlots - 1)];
        f[SecsSincePrevSameMerchant] = slot.Count > 0 && slot.Hash == tx.MerchantHash ? Since(t, slot.LastTime) : -1;
        ref readonly var category = ref card.Categories[tx.Category];
        f[SecsSincePrevSameCategory] = category.Count > 0 ? Since(t, category.LastTime) : -1;
        ref readonly var newest = ref card.Newest;
        f[PrevAmt] = newest.Amount;
        f[PrevAmtRatio] = newest.Ratio;
        f[PrevCategory] = newest.Category == FeatureCategories.Unknown ? -1 : newest.Category;
    }

    public override void Update(CardState card, in TransactionView tx, int n)
    {
    }
}
