global using FraudDetection.Core.Messaging;
global using FraudDetection.Core.Transactions;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
