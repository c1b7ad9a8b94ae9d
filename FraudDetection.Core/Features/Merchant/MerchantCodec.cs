namespace FraudDetection.Core.Features.Merchant;

/// <summary>Little-endian binary pieces shared by the merchant messages and checkpoints.</summary>
internal static class MerchantCodec
{
    public const int DayBytes = 8 + 4 + TotalsBytes;
    private const int TotalsBytes = 4 * 4 + 8 + 4 * 4;

    public static void Write(BinaryWriter writer, in MerchantDayTotals totals)
    {
        writer.Write(totals.Transactions);
        writer.Write(totals.Cards);
        writer.Write(totals.NewCardTransactions);
        writer.Write(totals.Frauds);
        writer.Write(totals.AmountCents);
        writer.Write(totals.FirstFraudAt);
        writer.Write(totals.FirstGenuineAt);
        writer.Write(totals.OrdinaryFrauds);
        writer.Write(totals.FirstOrdinaryFraudAt);
    }

    public static void Write(BinaryWriter writer, in MerchantDay day)
    {
        writer.Write(day.Merchant);
        writer.Write(day.Day);
        Write(writer, day.Totals);
    }

    public static MerchantDayTotals ReadTotals(BinaryReader reader)
    {
        var totals = new MerchantDayTotals
        {
            Transactions = reader.ReadInt32(),
            Cards = reader.ReadInt32(),
            NewCardTransactions = reader.ReadInt32(),
            Frauds = reader.ReadInt32(),
            AmountCents = reader.ReadInt64(),
            FirstFraudAt = reader.ReadInt32(),
            FirstGenuineAt = reader.ReadInt32(),
            OrdinaryFrauds = reader.ReadInt32(),
            FirstOrdinaryFraudAt = reader.ReadInt32(),
        };
        if (totals.Transactions < 0 || totals.Cards < 0 || totals.NewCardTransactions < 0 || totals.Frauds < 0 || totals.AmountCents < 0
            || totals.FirstFraudAt is < 0 or > MerchantDayTotals.LastSecondAt || totals.FirstGenuineAt is < 0 or > MerchantDayTotals.LastSecondAt
            || totals.OrdinaryFrauds is < 0 || totals.OrdinaryFrauds > totals.Frauds || totals.FirstOrdinaryFraudAt is < 0 or > MerchantDayTotals.LastSecondAt)
        {
            throw new InvalidDataException("Corrupt merchant day totals.");
        }
        return totals;
    }

    public static MerchantDay ReadDay(BinaryReader reader) => new(reader.ReadUInt64(), reader.ReadInt32(), ReadTotals(reader));

    public static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException($"Negative count {count}.");
        return count;
    }
}
