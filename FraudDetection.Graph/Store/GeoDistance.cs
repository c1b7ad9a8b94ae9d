namespace FraudDetection.Graph.Store;

/// <summary>Great-circle distance (haversine on a sphere of the Earth's mean radius); a one-liner no package here offers.</summary>
public static class GeoDistance
{
    public const double EarthRadiusKm = 6371.0088;

    public static double Km(double lat1, double long1, double lat2, double long2)
    {
        var dLat = Radians(lat2 - lat1);
        var dLong = Radians(long2 - long1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(dLong / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>km/h between two points <paramref name="seconds"/> apart; under one second counts as one second.</summary>
    public static double SpeedKmh(double km, long seconds) => km / (Math.Max(seconds, 1) / 3600.0);

    private static double Radians(double degrees) => degrees * Math.PI / 180.0;
}
