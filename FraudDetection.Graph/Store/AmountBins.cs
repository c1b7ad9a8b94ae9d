namespace FraudDetection.Graph.Store;

/// <summary>Bin arithmetic shared by both stores: bin i holds [i·width, (i+1)·width); the last bin is open.</summary>
public static class AmountBins
{
    public static long LastBin(double binWidth, double openFrom)
    {
        if (binWidth <= 0 || openFrom < binWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(binWidth), "bin width must be positive and no larger than the open bin's lower bound");
        }
        return (long)Math.Floor(openFrom / binWidth);
    }

    public static long BinOf(double amt, double binWidth, long lastBin) => Math.Min((long)(amt / binWidth), lastBin);

    public static AmountBin Bin(long bin, double binWidth, long lastBin, long transactions, long alerts) =>
        new(bin * binWidth, bin >= lastBin ? null : (bin + 1) * binWidth, transactions, alerts);
}
