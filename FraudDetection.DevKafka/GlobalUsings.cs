global using FraudDetection.Core.Messaging;
global using FraudDetection.DevKafka.Kafka;
