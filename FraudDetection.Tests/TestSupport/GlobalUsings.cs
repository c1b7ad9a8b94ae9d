// Every test file may use the shared helpers (free ports, temp folders, test hosts, the repository's data).
global using FraudDetection.Tests.TestSupport;
