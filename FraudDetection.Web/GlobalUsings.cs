global using FraudDetection.Core.Messaging;
global using FraudDetection.Core.Transactions;
