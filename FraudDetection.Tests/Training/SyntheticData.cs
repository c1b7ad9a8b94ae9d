using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

/// <summary>A small labelled feature matrix with a non-linear rule and noise, for training tests.</summary>
internal static class SyntheticData
{
    public static readonly string[] FeatureNames = ["amount", "hour", "velocity", "distance", "noise"];

    public static TrainingSet Make(int rows, int seed)
    {
        var random = new Random(seed);
        const int f = 5;
        var values = new float[rows * f];
        var labels = new bool[rows];
        var times = new DateTime[rows];
        var cards = new long[rows];
        var ids = new string[rows];
        var start = new DateTime(2020, 1, 1);
        for (var i = 0; i < rows; i++)
        {
            var amount = (float)Math.Exp(random.NextDouble() * 7);
            var hour = (float)random.Next(24);
            var velocity = (float)random.Next(10);
            var distance = (float)(random.NextDouble() * 100);
            var noise = (float)random.NextDouble();
            values[i * f] = amount;
            values[i * f + 1] = hour;
            values[i * f + 2] = velocity;
            values[i * f + 3] = distance;
            values[i * f + 4] = noise;
            var logit = -5 + (amount > 300 ? 2.5 : 0) + (hour < 4 ? 2 : 0) + 0.3 * velocity + (distance > 80 ? 1 : 0);
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
            times[i] = start.AddMinutes(i * 7);
            cards[i] = random.Next(50);
            ids[i] = $"t{i}";
        }
        return new TrainingSet(f, values, labels, times, cards, ids);
    }
}
