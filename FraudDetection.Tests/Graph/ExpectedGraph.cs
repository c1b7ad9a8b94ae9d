using FraudDetection.Core.Geo;
using FraudDetection.Core.Transactions;
using FraudDetection.Graph.Store;

namespace FraudDetection.Tests.Graph;

/// <summary>Each graph query answered by direct counting over the written edges (LINQ), to hold the stores to.</summary>
internal sealed class ExpectedGraph(IReadOnlyList<GraphEdge> delivered)
{
    // One edge per trans_num; nodes keep the properties of their first delivery.
    private readonly List<GraphEdge> _edges = delivered.GroupBy(e => e.TransNum).Select(g => g.Last()).ToList();
    private readonly Dictionary<long, GraphEdge> _cards = delivered.GroupBy(e => e.CcNum).ToDictionary(g => g.Key, g => g.First());

    public GraphTotals Totals() => new(_cards.Count, _edges.Select(e => e.Merchant).Distinct().Count(), _edges.Count);

    public IReadOnlyList<GraphTransaction> Latest(int limit) =>
        _edges.OrderByDescending(e => e.Ts).ThenByDescending(e => e.TransNum, StringComparer.Ordinal).Take(limit).Select(ToTransaction).ToList();

    public IReadOnlyList<MerchantVolume> MerchantsByVolume(int limit) =>
        _edges.GroupBy(e => e.Merchant)
            .Select(g => new MerchantVolume(g.Key, g.Count(), g.Sum(e => e.Amt)))
            .OrderByDescending(m => m.Transactions).ThenBy(m => m.Merchant, StringComparer.Ordinal).Take(limit).ToList();

    public FraudCounts FraudCounts()
    {
        var alerts = _edges.Count(e => e.IsAlert);
        return new FraudCounts(_edges.Count, alerts, _edges.Count - alerts, _edges.Count(e => e.IsFraud == 1), _edges.Count(e => e.IsFraud == 0));
    }

    public IReadOnlyList<MerchantFraud> FraudByMerchant(int limit) =>
        _edges.GroupBy(e => e.Merchant)
            .Select(g => new MerchantFraud(g.Key, g.Count(e => e.IsAlert), g.Count(e => e.IsFraud == 1), g.Count()))
            .Where(m => m.Alerts > 0 || m.LabelledFraud > 0)
            .OrderByDescending(m => m.Alerts).ThenByDescending(m => m.LabelledFraud).ThenBy(m => m.Merchant, StringComparer.Ordinal)
            .Take(limit).ToList();

    public IReadOnlyList<AmountBin> AmountDistribution(double width, double openFrom)
    {
        var last = AmountBins.LastBin(width, openFrom);
        return _edges.GroupBy(e => AmountBins.BinOf(e.Amt, width, last)).OrderBy(g => g.Key)
            .Select(g => AmountBins.Bin(g.Key, width, last, g.Count(), g.Count(e => e.IsAlert))).ToList();
    }

    public IReadOnlyList<FraudGeoPoint> FraudGeoPoints(int limit) =>
        _edges.Where(e => e.IsAlert).OrderByDescending(e => e.Ts).ThenByDescending(e => e.TransNum, StringComparer.Ordinal).Take(limit)
            .Select(e => new FraudGeoPoint(e.TransNum, e.Time, e.MerchLat, e.MerchLong, e.Amt, e.Score, e.Merchant, CardMask.Mask(e.CcNum)))
            .ToList();

    public CardNeighbourhood? Neighbourhood(long ccNum, GraphWindow window)
    {
        if (!_cards.TryGetValue(ccNum, out var card))
        {
            return null;
        }
        var inWindow = _edges.Where(e => window.Contains(e.Ts)).ToList();
        var own = inWindow.Where(e => e.CcNum == ccNum).OrderBy(e => e.Ts).ThenBy(e => e.TransNum, StringComparer.Ordinal).ToList();
        var merchants = own.GroupBy(e => e.Merchant).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var others = inWindow.Where(e => e.Merchant == g.Key && e.CcNum != ccNum).ToList();
            return new NeighbourMerchant(g.Key, g.Count(), others.Select(e => e.CcNum).Distinct().Count(),
                others.Where(e => e.IsAlert).Select(e => e.CcNum).Distinct().Count());
        }).ToList();
        return new CardNeighbourhood(CardMask.Mask(ccNum), CardMask.CardId(ccNum), card.City, card.State, own.Select(ToTransaction).ToList(), merchants);
    }

    public IReadOnlyList<SharedMerchant> SharedMerchants(GraphWindow window, int minCards, int limit)
    {
        var inWindow = _edges.Where(e => window.Contains(e.Ts)).ToList();
        var alerted = inWindow.Where(e => e.IsAlert).Select(e => e.CcNum).ToHashSet();
        return inWindow.Where(e => alerted.Contains(e.CcNum)).GroupBy(e => e.Merchant)
            .Select(g => new SharedMerchant(g.Key, g.Select(e => e.CcNum).Distinct().Count(), g.Count(e => e.IsAlert)))
            .Where(m => m.AlertedCards >= minCards)
            .OrderByDescending(m => m.AlertedCards).ThenByDescending(m => m.AlertsHere).ThenBy(m => m.Merchant, StringComparer.Ordinal)
            .Take(limit).ToList();
    }

    public IReadOnlyList<ImpossibleTravel> ImpossibleTravel(GraphWindow window, double speedKmh, int limit) =>
        _edges.Where(e => window.Contains(e.Ts)).GroupBy(e => e.CcNum).SelectMany(g =>
        {
            var seq = g.OrderBy(e => e.Ts).ThenBy(e => e.TransNum, StringComparer.Ordinal).ToList();
            return seq.Zip(seq.Skip(1), (a, b) =>
            {
                var km = GeoDistance.Km(a.MerchLat, a.MerchLong, b.MerchLat, b.MerchLong);
                return new ImpossibleTravel(CardMask.Mask(g.Key), CardMask.CardId(g.Key), a.TransNum, a.Time, a.Merchant, b.TransNum, b.Time,
                    b.Merchant, km, b.Ts - a.Ts, GeoDistance.SpeedKmh(km, b.Ts - a.Ts));
            });
        }).Where(p => p.SpeedKmh > speedKmh)
        .OrderByDescending(p => p.SpeedKmh).ThenBy(p => p.FromTransNum, StringComparer.Ordinal).Take(limit).ToList();

    private static GraphTransaction ToTransaction(GraphEdge e) =>
        new(e.TransNum, e.Time, CardMask.Mask(e.CcNum), CardMask.CardId(e.CcNum), e.Merchant, e.Category, e.Amt, e.Score, e.IsAlert, e.IsFraud, e.ModelVersion);
}
