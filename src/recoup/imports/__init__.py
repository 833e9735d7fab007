"""Importing customers, contacts, invoices, payments and credit notes from CSV and XLSX."""
