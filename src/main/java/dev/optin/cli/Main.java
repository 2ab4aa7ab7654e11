package dev.optin.cli;
public class Main { public static void main(String[] a) {} }
