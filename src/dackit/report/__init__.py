"""dackit.report"""
