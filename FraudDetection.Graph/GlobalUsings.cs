global using FraudDetection.Core.Messaging;
global using FraudDetection.Core.Transactions;
global using FraudDetection.Graph.Store;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
