using System.Text.Json.Serialization;

namespace FraudDetection.Training;

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
