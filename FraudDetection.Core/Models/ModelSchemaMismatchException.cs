namespace FraudDetection.Core.Models;

/// <summary>The model was built for other features than the ones this service computes.</summary>
public sealed class ModelSchemaMismatchException(string message) : InvalidOperationException(message);
