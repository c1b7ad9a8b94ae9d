namespace FraudDetection.Core.Geo;

/// <summary>
/// Great-circle distance (haversine on a sphere of the Earth's mean radius): the one implementation the features and
/// the graph share. A one-liner no package here offers.
/// </summary>
public static class GeoDistance
{
    public const double EarthRadiusKm = 6371.0088;

    public static double Km(double lat1, double long1, double lat2, double long2)
    {
        const double Rad = Math.PI / 180;
        var sinLat = Math.Sin((lat2 - lat1) * Rad / 2);
        var sinLong = Math.Sin((long2 - long1) * Rad / 2);
        var a = sinLat * sinLat + Math.Cos(lat1 * Rad) * Math.Cos(lat2 * Rad) * sinLong * sinLong;
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>km/h between two points <paramref name="seconds"/> apart; under one second counts as one second.</summary>
    public static double SpeedKmh(double km, long seconds) => km / (Math.Max(seconds, 1) / 3600.0);
}
